package web

import (
	"bytes"
	"cmp"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/idempotency"
)

// Idempotency-Key on POST, PUT and PATCH under /api/v1: the first answer to a key is kept
// for 24 hours in the JetStream key-value bucket IDEMPOTENCY (keyed by the caller and the
// key), and a repeat with the same method, path and body gets it again. The key also goes
// with the command to the service, which derives the new record's id and the event ids
// from it, so a repeat whose first answer was lost (a crash) creates nothing twice.
const (
	idempotencyBucket = "IDEMPOTENCY"
	idempotencyTTL    = 24 * time.Hour
)

// replay is what is kept of a first answer.
type replay struct {
	Fingerprint string    `json:"fingerprint"`
	Done        bool      `json:"done"`
	Started     time.Time `json:"started"`
	Owner       string    `json:"owner,omitempty"` // the web process running it
	Status      int       `json:"status,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Location    string    `json:"location,omitempty"`
	Body        []byte    `json:"body,omitempty"`    // as answered (entries written before Packed)
	Packed      []byte    `json:"packed,omitempty"`  // the body, deflated (see packBody)
	Cookies     []string  `json:"cookies,omitempty"` // Set-Cookie lines a repeat gets again (the flash)
}

type replays struct {
	nc       *nats.Conn
	boot     string   // this process
	inflight sync.Map // keys this process is running now → closed when answered
	mu       sync.Mutex
	kv       jetstream.KeyValue
}

func (r *replays) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kv != nil {
		return r.kv, nil
	}
	js, err := jetstream.New(r.nc)
	if err != nil {
		return nil, err
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: idempotencyBucket, Description: "first answers to API commands, by Idempotency-Key",
		TTL: idempotencyTTL, Storage: jetstream.FileStorage, History: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("web: idempotency bucket: %w", err)
	}
	r.kv = kv
	return kv, nil
}

// validIdempotencyKey: 1–255 visible ASCII characters.
func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotent runs h once per Idempotency-Key of the caller.
func (m *Main) idempotent(w http.ResponseWriter, r *http.Request, v *viewer, h func(http.ResponseWriter, *http.Request, *viewer)) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		h(w, r, v)
		return
	}
	if !validIdempotencyKey(key) {
		writeError(w, &events.Error{Code: events.CodeInvalid, Message: "Idempotency-Key must be 1 to 255 visible ASCII characters",
			Fields: map[string]string{"Idempotency-Key": "1 to 255 visible ASCII characters"}})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeError(w, events.Errorf(events.CodeBadRequest, "the request body is over 64 KiB"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	m.once(w, r, v, key, fingerprint(r, body), onceRules{fail: func(w http.ResponseWriter, _ *http.Request, err error) { writeError(w, err) }}, h)
}

// fingerprint identifies a request's method, target and body.
func fingerprint(r *http.Request, body []byte) string {
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
	return fmt.Sprintf("%x", sum)
}

// onceRules say how once answers.
type onceRules struct {
	// fail answers a problem (JSON for the API, a page for forms).
	fail func(http.ResponseWriter, *http.Request, error)
	// wait: a repeat that arrives while this process still runs the first waits for its
	// answer (a double-clicked form); otherwise it is told to try again (409, the API).
	wait bool
	// below is the status from which a first answer is not kept, so a repeat runs again
	// (default 500: server errors).
	below int
}

// once runs h once per key of the viewer, with the request's fingerprint fp: a repeat gets
// the first answer.
func (m *Main) once(w http.ResponseWriter, r *http.Request, v *viewer, key, fp string, rules onceRules, h func(http.ResponseWriter, *http.Request, *viewer)) {
	fail := rules.fail
	scoped := idempotency.Scope(v.ID, key)
	ctx := r.Context()
	kv, err := m.replays.bucket(ctx)
	if err != nil {
		m.logFailure(r, err)
		fail(w, r, events.Errorf(events.CodeUnavailable, "try again in a moment"))
		return
	}
	// One request of this process at a time per key, decided before the bucket is asked: a
	// repeat that came while the first was between claiming the key and running it would
	// otherwise have taken it for a first request that died, and run it again.
	done := make(chan struct{})
	for {
		prev, running := m.replays.inflight.LoadOrStore(scoped, done)
		if !running {
			break
		}
		if !rules.wait {
			w.Header().Set("Retry-After", "1")
			fail(w, r, events.Errorf(events.CodeConflict, "a request with this idempotency key is still running; try again in a moment"))
			return
		}
		select {
		case <-prev.(chan struct{}): // its answer is kept now: look again
		case <-ctx.Done():
			return
		}
	}
	defer func() { m.replays.inflight.Delete(scoped); close(done) }()
	if !m.claimKey(w, r, kv, scoped, fp, fail) {
		return
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h(rec, r.WithContext(idempotency.With(ctx, scoped)), v)
	if rec.status >= cmp.Or(rules.below, 500) {
		_ = kv.Delete(context.WithoutCancel(ctx), scoped) // nothing to keep: a repeat runs again
	} else {
		done, _ := json.Marshal(replay{Fingerprint: fp, Done: true, Started: time.Now(), Status: rec.status,
			ContentType: rec.header.Get("Content-Type"), Location: rec.header.Get("Location"), Packed: packBody(rec.body.Bytes()),
			Cookies: flashCookies(rec.header)})
		if _, err := kv.Put(context.WithoutCancel(ctx), scoped, done); err != nil {
			m.log.Warn("first answer not kept for its idempotency key", "err", err)
		}
	}
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// flashCookies are the Set-Cookie lines of an answer that a repeat gets again: the flash
// message only (never a session cookie, whose secret may have rotated since).
func flashCookies(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Set-Cookie") {
		if strings.HasPrefix(line, cookieFlash+"=") {
			out = append(out, line)
		}
	}
	return out
}

// claimKey records that this request runs the command for key, or answers for it: the kept
// first answer, or 422 for another request under the same key (once() has already made
// a repeat within this process wait for, or refuse beside, the first). A first request
// recorded by another process (one that died, most likely: a client's transport resends a
// request with an Idempotency-Key by itself when its connection breaks) is run again: its
// derived ids make whatever it had done a no-op.
func (m *Main) claimKey(w http.ResponseWriter, r *http.Request, kv jetstream.KeyValue, key, fp string, fail func(http.ResponseWriter, *http.Request, error)) bool {
	ctx := r.Context()
	pending, _ := json.Marshal(replay{Fingerprint: fp, Started: time.Now(), Owner: m.replays.boot})
	for range 3 {
		entry, err := kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := kv.Create(ctx, key, pending); err == nil {
				return true
			}
			continue // someone else claimed it a moment ago: look again
		}
		if err != nil {
			m.logFailure(r, err)
			fail(w, r, events.Errorf(events.CodeUnavailable, "try again in a moment"))
			return false
		}
		var first replay
		if json.Unmarshal(entry.Value(), &first) != nil {
			_ = kv.Delete(ctx, key)
			continue
		}
		switch {
		case first.Fingerprint != fp:
			fail(w, r, &events.Error{Code: events.CodeInvalid, Message: "this idempotency key was used for another request",
				Fields: map[string]string{"Idempotency-Key": "used for another request"}})
			return false
		case first.Done:
			body, err := first.body()
			if err != nil { // never written so: a damaged entry
				fail(w, r, fmt.Errorf("web: the first answer to this idempotency key is unreadable: %w", err))
				return false
			}
			if first.ContentType != "" {
				w.Header().Set("Content-Type", first.ContentType)
			}
			if first.Location != "" {
				w.Header().Set("Location", first.Location)
			}
			for _, c := range first.Cookies {
				w.Header().Add("Set-Cookie", c)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(first.Status)
			_, _ = w.Write(body)
			return false
		}
		// The first request died before answering (this process runs one request per key at
		// a time, and this is it), or runs elsewhere: run the command again.
		if _, err := kv.Update(ctx, key, pending, entry.Revision()); err == nil {
			return true
		}
	}
	fail(w, r, events.Errorf(events.CodeConflict, "a request with this idempotency key is still running; try again in a moment"))
	return false
}

// recorder keeps a handler's answer so it can be stored before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

// packBody deflates an answer's body for the bucket. Answers are JSON or HTML, often tens of
// kilobytes (a plan, a page of rows), and the bucket keeps a day of them: at 10,000 staff a
// fault run's 41,000 commands filled 1.4 GB raw (base64 in JSON), which NATS reads back
// after every crash. Deflated they take a fraction of that.
func packBody(body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	var b bytes.Buffer
	zw, _ := flate.NewWriter(&b, flate.BestSpeed) // the level is valid: no error
	_, _ = zw.Write(body)                         // into memory: no error
	_ = zw.Close()
	return b.Bytes()
}

// body is the first answer's body.
func (r replay) body() ([]byte, error) {
	if len(r.Packed) == 0 {
		return r.Body, nil
	}
	return io.ReadAll(flate.NewReader(bytes.NewReader(r.Packed)))
}
