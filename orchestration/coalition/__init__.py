"""A coalition shares one warehouse under a data-sharing agreement (docs/coalition.md).

agreement         the agreement file, validated on load
sharing           which tables hold a row per person, and a member's own rows
member_files      one published DuckDB file per member
postgres_policies one PostgreSQL role per member, row-level security
"""
