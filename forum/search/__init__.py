"""Full-text search: the database is the source of truth; the index can always be rebuilt.

``analysis`` holds the Japanese tokenizing (pickled into Whoosh indexes: never rename it without a
rebuild); ``backend`` holds the one interface every search engine implements, and Whoosh's.
"""
