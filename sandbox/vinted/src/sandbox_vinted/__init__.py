"""sandbox-vinted: a stand-in for Vinted's web API and for the browser plugin."""
