"""Opinion calls (意见征集): a draft decision, residents' comments under moderation, and the
department's adoption summary."""
