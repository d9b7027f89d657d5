-- 第十六条 as staff run it: an order names each shortfall; the re-check at
-- the deadline only proposes (pass or revoke); staff decide, or extend the
-- deadline once, with a reason. 第十七条: a base applies for acceptance
-- (its account or staff), and staff record the result with an opinion.
ALTER TABLE rectifications ADD COLUMN shortfalls TEXT NOT NULL DEFAULT '';
ALTER TABLE rectifications ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE rectifications ADD COLUMN proposal TEXT CHECK (proposal IN ('pass', 'revoke'));
ALTER TABLE rectifications ADD COLUMN extended_from DATE;
ALTER TABLE rectifications ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';
