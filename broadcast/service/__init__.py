"""Loudspeaker services: scripts, audio, villages' downloads and plays, the county view.

Other domains and the views use these functions; none takes a Request.
"""
