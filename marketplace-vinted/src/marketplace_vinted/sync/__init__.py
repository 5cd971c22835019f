"""Syncing the seller's sales and wardrobe: sold items become orders, items deleted on Vinted delisted."""
