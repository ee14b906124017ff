"""Residents' mini-program login (the resident model itself is the gateway's)."""

from gateway.domains import Domain

DOMAIN = Domain(
    name="account",
    blueprints=("mini_program.account.api",),
    demo=("mini_program.account.demo:seed",),
)
