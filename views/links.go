package views

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/url"
	"slices"

	"github.com/a-h/templ"
)

// Which names link to a profile is identity's decision, not the page's: a name links only
// when the viewer may open that person's profile, so a link never lands on a refusal. A
// page is rendered once with MarkNames, which writes each name between markers; identity
// is asked about everyone the page names at once, and LinkNames turns the markers into
// links or plain text. With WithLinks a render links directly; without either, names stay
// plain text.

type linksKey struct{}

// Links are the people a render may link, or (marking) none yet.
type Links struct {
	mark bool
	ids  map[string]bool
}

// The markers around a name rendered with MarkNames: the id is path-escaped and the name
// HTML-escaped, so neither can contain them.
const (
	markOpen  = "<!--onramp-person "
	markMid   = "-->"
	markClose = "<!--/onramp-person-->"
)

// MarkNames returns ctx rendering every person's name between markers for LinkNames.
func MarkNames(ctx context.Context) context.Context {
	return context.WithValue(ctx, linksKey{}, &Links{mark: true})
}

// LinkNames rewrites the marked names of page: a link for the people open answers (asked
// once, with everyone the page names, sorted), plain text for the others.
func LinkNames(page []byte, open func(ids []string) []string) []byte {
	if !bytes.Contains(page, []byte(markOpen)) {
		return page
	}
	named := map[string]bool{}
	for rest := page; ; {
		i := bytes.Index(rest, []byte(markOpen))
		if i < 0 {
			break
		}
		rest = rest[i+len(markOpen):]
		j := bytes.Index(rest, []byte(markMid))
		if j < 0 {
			break
		}
		if id, err := url.PathUnescape(string(rest[:j])); err == nil {
			named[id] = true
		}
	}
	ids := slices.Sorted(maps.Keys(named))
	may := map[string]bool{}
	for _, id := range open(ids) {
		may[id] = true
	}
	out := make([]byte, 0, len(page)+len(named)*32)
	for {
		i := bytes.Index(page, []byte(markOpen))
		if i < 0 {
			return append(out, page...)
		}
		out, page = append(out, page[:i]...), page[i+len(markOpen):]
		j := bytes.Index(page, []byte(markMid))
		k := bytes.Index(page, []byte(markClose))
		if j < 0 || k < j {
			return append(out, page...) // not a marker of ours: leave the rest as it is
		}
		escID, name := string(page[:j]), page[j+len(markMid):k]
		page = page[k+len(markClose):]
		if id, err := url.PathUnescape(escID); err == nil && may[id] {
			out = append(out, `<a class="person" href="`+templ.EscapeString(string(profileURL(id)))+`">`...)
			out = append(append(out, name...), "</a>"...)
		} else {
			out = append(out, name...)
		}
	}
}

// WithLinks returns ctx linking the names of open — the people whose profile the viewer
// may open — and no others.
func WithLinks(ctx context.Context, open []string) context.Context {
	l := &Links{ids: make(map[string]bool, len(open))}
	for _, id := range open {
		l.ids[id] = true
	}
	return context.WithValue(ctx, linksKey{}, l)
}

// PersonLink is a person's name linking to their profile when the viewer may open it;
// "someone else", names without an id and people the viewer may not see stay plain text.
func PersonLink(id, name string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		text := templ.EscapeString(name)
		l, _ := ctx.Value(linksKey{}).(*Links)
		var err error
		switch {
		case name == "" || name == "someone else" || id == "" || l == nil:
			_, err = io.WriteString(w, text)
		case l.mark:
			_, err = io.WriteString(w, markOpen+url.PathEscape(id)+markMid+text+markClose)
		case l.ids[id]:
			_, err = io.WriteString(w, `<a class="person" href="`+templ.EscapeString(string(profileURL(id)))+`">`+text+`</a>`)
		default:
			_, err = io.WriteString(w, text)
		}
		return err
	})
}

// profileURL is /people/{id}.
func profileURL(id string) templ.SafeURL { return templ.SafeURL("/people/" + url.PathEscape(id)) }
