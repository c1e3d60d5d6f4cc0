package devstack

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FerretDB keeps a read transaction open on its SQLite files, so SQLite's own automatic
// checkpoints never complete and the write-ahead log grows without bound (271 MB after
// 20,000 commands, still growing when idle). walKeeper checkpoints every file from a
// connection of its own:
//
//   - every tick, PASSIVE: copies the log into the database without waiting for anyone,
//     so SQLite can reuse the log from its start instead of appending;
//   - when a log is over WALLimit, or the file has been idle for a tick, TRUNCATE with a
//     short busy timeout: the log file shrinks to zero. If readers or writers are busy the
//     attempt gives up at once and is tried again on the next tick, so writers never stall
//     behind it (a TRUNCATE that waits blocks new writers).
type walKeeper struct {
	dir   string
	log   *slog.Logger
	limit int64
	mu    sync.Mutex
	files *sqliteFiles
	sizes map[string]int64 // log size at the previous tick
}

// WALLimit is the log size above which a TRUNCATE checkpoint is tried on every tick.
const WALLimit = 16 << 20

func newWALKeeper(dir string, log *slog.Logger) *walKeeper {
	return &walKeeper{dir: dir, log: log, limit: WALLimit, files: newSQLiteFiles("_pragma=busy_timeout(50)"), sizes: map[string]int64{}}
}

func (w *walKeeper) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			w.close()
			return
		case <-t.C:
			w.checkpoint(ctx)
		}
	}
}

// checkpoint runs one round over every SQLite file.
func (w *walKeeper) checkpoint(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	files, err := filepath.Glob(filepath.Join(w.dir, "*.sqlite"))
	if err != nil {
		return
	}
	for _, f := range files {
		st, err := os.Stat(f + "-wal")
		if err != nil || st.Size() == 0 {
			continue
		}
		db, fresh, err := w.files.get(f)
		if err != nil {
			continue
		}
		if fresh {
			delete(w.sizes, f)
		}
		size, idle := st.Size(), st.Size() == w.sizes[f]
		mode := "PASSIVE"
		if size > w.limit || idle {
			mode = "TRUNCATE"
		}
		if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint("+mode+")"); err != nil && mode == "TRUNCATE" {
			_, _ = db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		}
		if st, err := os.Stat(f + "-wal"); err == nil {
			w.sizes[f] = st.Size()
		}
	}
}

func (w *walKeeper) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.files.close()
}

// WALSize is the total size of the embedded store's write-ahead logs.
func (s *Stack) WALSize() int64 {
	files, _ := filepath.Glob(filepath.Join(s.dir, "ferretdb", "*.sqlite-wal"))
	var n int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n
}

// CheckpointNow runs one round of WAL checkpoints (tests and tools).
func (s *Stack) CheckpointNow(ctx context.Context) { s.wal.checkpoint(ctx) }
