"""The plugin devices: online or not, on which relay replica; replicas that went silent."""
