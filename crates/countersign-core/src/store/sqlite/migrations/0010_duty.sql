-- Who on this laptop does not want to hear of new mentions and direct messages (everyone is on
-- duty until they say otherwise). This laptop's own: never shared with a team server.
CREATE TABLE off_duty (
    member_id TEXT PRIMARY KEY REFERENCES members (id)
) STRICT;
