-- Camunda 8.8's groups have a description besides their id and name (/v2/groups, issue 20). Our group's name is its
-- id (what candidate groups name) and display_name its name; the description is new, optional, and changes nothing a
-- cached identity holds, so the NOTIFY trigger of 0040 (UPDATE OF name) stays as it is.
ALTER TABLE app_group ADD COLUMN description text;
