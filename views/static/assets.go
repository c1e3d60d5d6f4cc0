package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// asset is one file prepared for serving: its bytes, gzip-compressed bytes (when that is
// smaller) and its content-hashed name.
type asset struct {
	name, hashed, ctype, etag string
	raw, gz                   []byte
}

// assets holds every file of FS, keyed by its plain and by its hashed name.
var assets = sync.OnceValue(func() map[string]*asset {
	out := map[string]*asset{}
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		panic("static: " + err.Error()) // the files are embedded: cannot happen
	}
	for _, e := range entries {
		raw, err := fs.ReadFile(FS, e.Name())
		if err != nil {
			panic("static: " + err.Error())
		}
		sum := sha256.Sum256(raw)
		h := hex.EncodeToString(sum[:5])
		ext := path.Ext(e.Name())
		a := &asset{name: e.Name(), raw: raw, etag: `"` + h + `"`,
			hashed: strings.TrimSuffix(e.Name(), ext) + "." + h + ext,
			ctype:  cmpOr(mime.TypeByExtension(ext), "text/plain; charset=utf-8")}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(raw)
		_ = zw.Close()
		if buf.Len() < len(raw) {
			a.gz = buf.Bytes()
		}
		out[a.name], out[a.hashed] = a, a
	}
	return out
})

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Path is the address of a static file under /static/ with a hash of its content in the
// name ("/static/onramp.1a2b3c4d5e.css"), so it can be cached for a year: a changed file
// gets a new name. An unknown name is returned as /static/<name>.
func Path(name string) string {
	if a, ok := assets()[name]; ok {
		return "/static/" + a.hashed
	}
	return "/static/" + name
}

// Handler serves the files by name (mount it with http.StripPrefix("/static/", …)): a
// content-hashed name is cached for a year as immutable, a plain name for five minutes;
// text is sent gzip-compressed to clients that accept it.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets()[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		if r.URL.Path == a.hashed {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=300")
		}
		h.Set("Content-Type", a.ctype)
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.raw
		if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (and does not refuse
// it with q=0).
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
