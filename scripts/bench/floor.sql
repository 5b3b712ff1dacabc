-- The floor of an allowance run for region 510100: the rows decisions/bulk.rs reads
-- (every column, same filters and order), for the whole region at once instead of
-- 1,000-worker chunks. Run with the sqlite3 CLI (output discarded):
--   time sqlite3 /tmp/bench100k.db < scripts/bench/floor.sql > /dev/null
-- and with psql the same file works unchanged on PostgreSQL.
SELECT * FROM workers WHERE region_code >= '510100' AND region_code <= '510199' ORDER BY id;
SELECT c.* FROM credentials c WHERE c.worker_id IN
  (SELECT id FROM workers WHERE region_code >= '510100' AND region_code <= '510199')
  ORDER BY c.worker_id, c.id;
SELECT r.* FROM registrations r WHERE r.worker_id IN
  (SELECT id FROM workers WHERE region_code >= '510100' AND region_code <= '510199')
  ORDER BY r.worker_id, r.id;
SELECT a.* FROM assignments a WHERE a.worker_id IN
  (SELECT id FROM workers WHERE region_code >= '510100' AND region_code <= '510199')
  ORDER BY a.worker_id, a.id;
SELECT p.* FROM allowance_payments p WHERE p.worker_id IN
  (SELECT id FROM workers WHERE region_code >= '510100' AND region_code <= '510199')
  ORDER BY p.worker_id, p.id;
SELECT a.* FROM appraisals a WHERE a.worker_id IN
  (SELECT id FROM workers WHERE region_code >= '510100' AND region_code <= '510199')
  ORDER BY a.worker_id, a.recorded_at, a.id;
SELECT e.* FROM credit_entries e WHERE e.subject_kind = 'worker' AND e.worker_id IN
  (SELECT id FROM workers WHERE region_code >= '510100' AND region_code <= '510199')
  ORDER BY e.worker_id, e.recorded_at, e.id;
SELECT p.* FROM posts p WHERE p.id IN (SELECT a.post_id FROM assignments a WHERE a.worker_id IN
  (SELECT id FROM workers WHERE region_code >= '510100' AND region_code <= '510199'));
SELECT u.* FROM units u WHERE u.id IN (SELECT p.unit_id FROM posts p JOIN assignments a ON a.post_id = p.id
  WHERE a.worker_id IN (SELECT id FROM workers WHERE region_code >= '510100' AND region_code <= '510199'));
