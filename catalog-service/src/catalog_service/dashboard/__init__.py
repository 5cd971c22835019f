"""The seller's dashboard: stock and listings at a glance, sell-through, and sales over time (JSON, SVG)."""
