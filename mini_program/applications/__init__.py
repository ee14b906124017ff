"""Disclosure applications (依申请公开): filing, the legal deadlines, answers, the annual report."""
