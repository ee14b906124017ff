"""Government open days: events, registration with capacity and waitlist, signed tickets."""
