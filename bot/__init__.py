"""nhacviec: Vietnamese deadline reminders for an agency's yearly plan."""

__version__ = "0.1.0"
