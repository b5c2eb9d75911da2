-- KOBE ぽすと: the two database roles and the database, once, as the PostgreSQL superuser.
--
--   sudo -u postgres psql -v owner=kobepost_owner -v app=kobepost -v db=kobepost \
--       -f /opt/kobepost/deploy/db/roles.sql
--   sudo -u postgres psql -c '\password kobepost_owner' -c '\password kobepost'
--
-- owner (kobepost_owner) owns the database, its schema and every table; it is used only
--   to migrate (deploy/kobepost-migrate), its password is in /etc/kobepost/migrate.env
--   (root 0600) and never in the service's environment.
-- app (kobepost) is what gunicorn, Celery and the backups log in as: it reads and writes
--   rows but owns nothing, so it cannot TRUNCATE, ALTER TABLE … DISABLE TRIGGER, DROP or
--   change the schema; grants.sql gives it only SELECT and INSERT on the audit trail.
-- Running this again changes nothing that exists (roles and database are created if missing).
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
              :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT',
              :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec

-- The runtime role must not be able to become the owner (nor be a superuser): then its
-- missing privileges would mean nothing.
SELECT rolsuper OR rolbypassrls OR pg_has_role(:'app', :'owner', 'MEMBER') AS app_too_strong
  FROM pg_roles WHERE rolname = :'app' \gset
\if :app_too_strong
  \echo 'roles.sql: the runtime role is a superuser or a member of the owner role; fix that first'
  DO $$ BEGIN RAISE EXCEPTION 'refused: see the message above'; END $$;
\endif

-- UTF-8 (not C): pg_trgm must treat Japanese characters as word characters.
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LOCALE %L',
              :'db', :'owner', 'UTF8', 'C.UTF-8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec

REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";

\connect :db
-- pg_trgm is a trusted extension (the owner's migration could create it), created here by
-- the superuser so that it is there whoever migrates first.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- Only the owner creates objects (PostgreSQL 15 already refuses CREATE to PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
