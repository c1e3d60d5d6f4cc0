package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
)

// Every HTML form that changes something carries an idempotency key of its own: render
// gives each POST form of a page a hidden field with a fresh random key, and page runs a
// signed-in form handler once per key and form contents, as the API does per
// Idempotency-Key (see idempotency.go). A double click or a browser's resend of the same
// form has one effect, and the repeat gets the first answer again — the redirect with its
// flash message, or the page. Doing it in render and page, not in each form, means a new
// form cannot forget it.
const formKeyField = "idempotency_key"

// withFormKeys returns page with a hidden idempotency key field at the start of each form
// whose method is POST.
func withFormKeys(page []byte) []byte {
	if !bytes.Contains(page, []byte("<form")) {
		return page
	}
	out := make([]byte, 0, len(page)+1024)
	for {
		i := bytes.Index(page, []byte("<form"))
		if i < 0 || i+5 >= len(page) {
			break
		}
		end := bytes.IndexByte(page[i:], '>')
		if end < 0 {
			break
		}
		tag := page[i : i+end+1]
		out = append(out, page[:i+end+1]...)
		page = page[i+end+1:]
		if c := tag[5]; (c == ' ' || c == '\n' || c == '\t') && bytes.Contains(bytes.ToLower(tag), []byte(`method="post"`)) {
			out = append(out, `<input type="hidden" name="`+formKeyField+`" value="`+newFormKey()+`">`...)
		}
	}
	return append(out, page...)
}

func newFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// formKey is the idempotency key a submitted form carries ("" for none), and the form's
// fingerprint, which leaves out the key and the secret fields (a password is never kept,
// not even as a fast hash). Only URL-encoded forms (read by formHygiene) take part: the
// multipart upload is read by its handler within its own limit.
func formKey(r *http.Request, secret ...string) (key, fp string) {
	if r.Method != http.MethodPost || r.PostForm == nil {
		return "", ""
	}
	key = r.PostForm.Get(formKeyField)
	if !validIdempotencyKey(key) {
		return "", ""
	}
	rest := url.Values{}
	for k, vs := range r.PostForm {
		if k != formKeyField && !slices.Contains(secret, k) {
			rest[k] = vs
		}
	}
	return key, fingerprint(r, []byte(rest.Encode()))
}

// pageOnce runs a signed-in form handler once per form key and contents. The contents are
// part of the key: a form sent again after the browser's Back with other values is another
// command, the same values again are the same one.
func (m *Main) pageOnce(w http.ResponseWriter, r *http.Request, v *viewer, h func(http.ResponseWriter, *http.Request, *viewer)) bool {
	key, fp := formKey(r)
	if key == "" {
		return false
	}
	m.once(w, r, v, "form."+key+"."+fp[:32], fp, onceRules{fail: m.fail, wait: true}, h)
	return true
}

// anonymousOnce does the same for a form sent without signing in (choosing a password),
// whose secret fields stay out of the fingerprint. The key is a random secret of the page
// it came with; the answer a repeat gets carries no session cookie. Only a success is
// kept: the secret fields are not in the fingerprint, so a refused attempt sent again
// with other passwords (after the browser's Back) must run again.
func (m *Main) anonymousOnce(w http.ResponseWriter, r *http.Request, h http.HandlerFunc, secret ...string) bool {
	key, fp := formKey(r, secret...)
	if key == "" {
		return false
	}
	m.once(w, r, &viewer{}, "form."+key+"."+fp[:32], fp, onceRules{fail: m.fail, wait: true, below: 400},
		func(w http.ResponseWriter, r *http.Request, _ *viewer) { h(w, r) })
	return true
}
