package devstack

import (
	"database/sql"
	"os"
)

// sqliteFiles are the embedded stack's own connections to FerretDB's SQLite files (for WAL
// checkpoints and _id indexes), one per file. A database that is dropped and created again
// is a new file at the same path: a connection still open on the old one would checkpoint
// the new file's write-ahead log into the old file and then truncate it, losing the new
// file's recent writes ("no such table", "database disk image is malformed"). So a
// connection is used only while its path still names the file it was opened on, and it
// never creates a file.
type sqliteFiles struct {
	pragmas string // e.g. "_pragma=busy_timeout(50)"
	open    map[string]sqliteFile
}

type sqliteFile struct {
	db *sql.DB
	fi os.FileInfo
}

func newSQLiteFiles(pragmas string) *sqliteFiles {
	return &sqliteFiles{pragmas: pragmas, open: map[string]sqliteFile{}}
}

// get returns the connection to the file at path f, and whether it was (re)opened now. The
// caller serialises calls.
func (s *sqliteFiles) get(f string) (db *sql.DB, fresh bool, err error) {
	fi, err := os.Stat(f)
	if err != nil {
		s.forget(f)
		return nil, false, err
	}
	if cur, ok := s.open[f]; ok {
		if os.SameFile(cur.fi, fi) {
			return cur.db, false, nil
		}
		s.forget(f) // dropped and created again
	}
	db, err = sql.Open("sqlite", "file:"+f+"?mode=rw&"+s.pragmas)
	if err != nil {
		return nil, false, err
	}
	db.SetMaxOpenConns(1)
	s.open[f] = sqliteFile{db: db, fi: fi}
	return db, true, nil
}

func (s *sqliteFiles) forget(f string) {
	if cur, ok := s.open[f]; ok {
		_ = cur.db.Close()
		delete(s.open, f)
	}
}

func (s *sqliteFiles) close() {
	for f := range s.open {
		s.forget(f)
	}
}
