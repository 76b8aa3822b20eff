"""Reminders: the working calendar, the policy's settings and the pure reminder policy.

The policy decides what is due from facts and `now` alone; the tick job and the outbox that record
and send each reminder once live beside it and are the only parts that touch the database.
"""
