"""Consultations: one queue for every question (mini-program, official-account messages, the
service hall's help desk), routed to departments and answered within working-day limits;
public Q&A; opinion calls on drafts (`opinions/`); what people ask about (`analysis/`)."""
