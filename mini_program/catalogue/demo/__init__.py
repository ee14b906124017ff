"""The demo county's catalogue: data files in this folder (see data.py), loaded by `seed`."""

from mini_program.catalogue.demo.seeder import seed

__all__ = ["seed"]
