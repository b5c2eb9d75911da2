-- KOBE ぽすと: what the runtime role may do, as the owner role after every migration
-- (deploy/db/migrate-as-owner.sh runs it; it can be run again at any time).
--
--   psql --dbname="$MIGRATE_DATABASE_URL" -v app=kobepost -f deploy/db/grants.sql
--
-- Rows of every table: SELECT, INSERT, UPDATE, DELETE; never TRUNCATE, TRIGGER or
-- REFERENCES, and no object of its own (the owner has the schema). Append-only tables
-- (those guarded by the trigger function kobepost_audit_append_only, i.e. the audit
-- trail): SELECT and INSERT only. The migration history: SELECT only.
\set ON_ERROR_STOP on

-- Refuse to run as the runtime role or as a role that does not own the tables: the grants
-- below would then silently do nothing.
SELECT current_user = :'app' OR NOT EXISTS (
         SELECT FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user
       ) AS not_the_owner \gset
\if :not_the_owner
  \echo 'grants.sql: run it as the owner of the tables (MIGRATE_DATABASE_URL), not as the runtime role'
  DO $$ BEGIN RAISE EXCEPTION 'refused: see the message above'; END $$;
\endif

GRANT USAGE ON SCHEMA public TO :"app";
REVOKE CREATE ON SCHEMA public FROM :"app";

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";

SELECT format('REVOKE UPDATE, DELETE ON %s FROM %I', tgrelid::regclass, :'app')
  FROM pg_trigger
 WHERE tgfoid = 'kobepost_audit_append_only'::regproc
 GROUP BY tgrelid \gexec

REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM :"app";

-- Tables and sequences a later migration creates get the same row privileges at once;
-- the wrapper runs this file again right after, for the exceptions above.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
