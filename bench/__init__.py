"""Benchmarks of nhacviec's real code paths against the fake Bot API (not installed)."""
