"""The seller's Vinted account as the plugin reports it, and the pacing of its writes."""
