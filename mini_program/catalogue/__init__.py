"""The standardised disclosure catalogue: domains, items, policy documents, search."""
