"""The use cases: register, confirm, undo, status, set a deadline, import a plan.

Services hold the business rules; handlers only parse and render, and never touch the database.
"""
