-- One database per bounded context (ARCHITECTURE.md rule 3), created by the
-- postgres image on its first start, owned by POSTGRES_USER. Each context gets
-- its own <CONTEXT>_DATABASE_URL, so any of them can later move to a server of
-- its own by changing that URL alone.
CREATE DATABASE users;
CREATE DATABASE catalog;
CREATE DATABASE ordering;
CREATE DATABASE payments;
