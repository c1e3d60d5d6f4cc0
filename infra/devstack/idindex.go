package devstack

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses
)

// FerretDB v1.24's SQLite backend builds its _id index on _ferretdb_sjson->"_id" but looks
// documents up with _ferretdb_sjson->'$._id', so SQLite never uses that index: every
// FindOne, ReplaceOne and UpdateOne by _id scans and decodes the whole collection
// (STACK.md: 15 updates/s at 1,000 mid-sized documents). idIndexer adds an index on the
// exact expression the lookups use, for every collection, shortly after it is created.
//
// This reaches into FerretDB's private schema, so it lives only here, FerretDB is pinned at
// v1.24.0 in go.mod, and TestIDLookupsUseTheIndex fails if a new version changes either
// expression.
const (
	idExpr          = `_ferretdb_sjson->'$._id'`
	collectionsMeta = "_ferretdb_collections"
	indexSuffix     = "_onramp_id"
)

type idIndexer struct {
	dir   string
	log   *slog.Logger
	mu    sync.Mutex
	files *sqliteFiles
	done  map[string]bool // file/table pairs already indexed
}

func newIDIndexer(dir string, log *slog.Logger) *idIndexer {
	return &idIndexer{dir: dir, log: log, files: newSQLiteFiles("_pragma=busy_timeout(10000)"), done: map[string]bool{}}
}

// run indexes new collections every interval until ctx ends.
func (x *idIndexer) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := x.sweep(ctx); err != nil && ctx.Err() == nil {
			x.log.Warn("devstack: _id index sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			x.close()
			return
		case <-t.C:
		}
	}
}

// sweep creates the missing indexes now.
func (x *idIndexer) sweep(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	files, err := filepath.Glob(filepath.Join(x.dir, "*.sqlite"))
	if err != nil {
		return err
	}
	for _, f := range files {
		db, fresh, err := x.files.get(f)
		if err != nil {
			continue // dropped a moment ago
		}
		if fresh { // a new file (perhaps a database created again): index all of it
			for key := range x.done {
				if strings.HasPrefix(key, f+"/") {
					delete(x.done, key)
				}
			}
		}
		tables, err := x.tables(ctx, db)
		if err != nil {
			continue // the file may be brand new; try again next time
		}
		for _, table := range tables {
			key := f + "/" + table
			if x.done[key] {
				continue
			}
			q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, table+indexSuffix, table, idExpr)
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("index %s in %s: %w", table, filepath.Base(f), err)
			}
			x.done[key] = true
		}
	}
	return nil
}

func (x *idIndexer) tables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT table_name FROM %q`, collectionsMeta))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		if !strings.ContainsAny(t, `"`) {
			out = append(out, t)
		}
	}
	return out, rows.Err()
}

func (x *idIndexer) close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.files.close()
}

// explain returns SQLite's plan for an _id lookup in the table of collection in file f
// (for the test that proves the index is used).
func explain(ctx context.Context, f, collection string) (string, error) {
	if _, err := os.Stat(f); err != nil {
		return "", err
	}
	db, err := sql.Open("sqlite", "file:"+f+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var table string
	if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT table_name FROM %q WHERE name = ?`, collectionsMeta), collection).Scan(&table); err != nil {
		return "", err
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE %s = ?`, table, idExpr), "x")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; "), rows.Err()
}
