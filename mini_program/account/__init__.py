"""Resident accounts of the mini-program: login with wx.login() codes."""
