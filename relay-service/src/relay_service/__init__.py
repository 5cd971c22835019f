"""relay-service: holds the browser plugins' Socket.IO connections and carries jobs to them."""
