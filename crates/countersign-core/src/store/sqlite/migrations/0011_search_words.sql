-- Every word the search indexes hold, so that a typed prefix ("launch") becomes the exact words
-- it stands for ("launch", "launched", "launches"). SQLite's full-text index answers a prefix by
-- merging every matching word's whole list of posts first: 60 ms for a word in half of a
-- million posts, before a single post is looked at. Exact words it reads lazily, newest first,
-- and only as far as asked.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY
) WITHOUT ROWID;

-- A scratch index with the search indexes' tokenizer: text put in it shows, through its
-- vocabulary, exactly the words they make of it. Emptied after each use.
CREATE VIRTUAL TABLE search_scratch
    USING fts5 (body, content = '', tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_scratch_words USING fts5vocab (search_scratch, 'row');

-- (Not INSERT OR IGNORE: a statement that fires a trigger imposes its own conflict policy on
-- the trigger's, and a replica's upsert would turn a known word into an error.)
-- Post text is indexed from its parts (every version's: a superset of what is searchable,
-- which only costs a word that matches nothing); messages from their text, and the person's
-- handle and name with each.
CREATE TRIGGER parts_words AFTER INSERT ON parts BEGIN
    INSERT INTO search_scratch (rowid, body) VALUES (1, new.text);
    INSERT INTO search_words (word) SELECT term FROM search_scratch_words
        WHERE NOT EXISTS (SELECT 1 FROM search_words WHERE word = term);
    INSERT INTO search_scratch (search_scratch) VALUES ('delete-all');
END;
CREATE TRIGGER messages_words AFTER INSERT ON messages BEGIN
    INSERT INTO search_scratch (rowid, body) VALUES (1, new.text);
    INSERT INTO search_words (word) SELECT term FROM search_scratch_words
        WHERE NOT EXISTS (SELECT 1 FROM search_words WHERE word = term);
    INSERT INTO search_scratch (search_scratch) VALUES ('delete-all');
END;
CREATE TRIGGER conversations_words AFTER INSERT ON conversations BEGIN
    INSERT INTO search_scratch (rowid, body) VALUES (1, new.person_handle || ' ' || new.person_name);
    INSERT INTO search_words (word) SELECT term FROM search_scratch_words
        WHERE NOT EXISTS (SELECT 1 FROM search_words WHERE word = term);
    INSERT INTO search_scratch (search_scratch) VALUES ('delete-all');
END;
CREATE TRIGGER conversations_renamed_words AFTER UPDATE OF person_handle, person_name
    ON conversations BEGIN
    INSERT INTO search_scratch (rowid, body) VALUES (1, new.person_handle || ' ' || new.person_name);
    INSERT INTO search_words (word) SELECT term FROM search_scratch_words
        WHERE NOT EXISTS (SELECT 1 FROM search_words WHERE word = term);
    INSERT INTO search_scratch (search_scratch) VALUES ('delete-all');
END;

-- The words already indexed.
CREATE VIRTUAL TABLE temp.post_search_words USING fts5vocab (main, post_search, 'row');
CREATE VIRTUAL TABLE temp.message_search_words USING fts5vocab (main, message_search, 'row');
INSERT OR IGNORE INTO search_words (word) SELECT term FROM temp.post_search_words;
INSERT OR IGNORE INTO search_words (word) SELECT term FROM temp.message_search_words;
DROP TABLE temp.post_search_words;
DROP TABLE temp.message_search_words;

-- Conversations in the inbox's own order (newest first, then by id), so a search's window of
-- the newest is an index walk rather than a sort of every conversation.
CREATE INDEX conversations_by_recency ON conversations (last_at DESC, id);
