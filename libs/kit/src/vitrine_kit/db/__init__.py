"""Database: async engine, sessions, tenancy by schema, migrations."""
