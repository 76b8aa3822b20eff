"""Storage: SQLAlchemy 2 async models, the engine and session factory, and Alembic migrations."""
