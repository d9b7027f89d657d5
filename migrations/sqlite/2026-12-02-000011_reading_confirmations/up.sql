-- 第十八条: the readings a rulebook takes where the text is open are shown
-- to staff, who mark each one confirmed (who, when) or open again.
CREATE TABLE reading_confirmations (
    rulebook TEXT NOT NULL,
    topic TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'open')),
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (rulebook, topic)
);
