package views

import (
	"context"
	"net/url"
	"slices"

	"github.com/a-h/templ"
)

// Which names link to a profile is identity's decision, not the page's: a name links only
// when the viewer may open that person's profile, so a link never lands on a refusal. A
// page is rendered once with CollectLinks to learn whom it names, identity is asked about
// them all at once, and the page is rendered again WithLinks. Without either, names stay
// plain text.

type linksKey struct{}

// Links are the people one render names, or may link.
type Links struct {
	collect bool
	ids     map[string]bool
}

// CollectLinks returns ctx recording every person a render names (see IDs).
func CollectLinks(ctx context.Context) (context.Context, *Links) {
	l := &Links{collect: true, ids: map[string]bool{}}
	return context.WithValue(ctx, linksKey{}, l), l
}

// IDs are the people the render named, sorted.
func (l *Links) IDs() []string {
	out := make([]string, 0, len(l.ids))
	for id := range l.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
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

// linked reports whether the name of person id links to their profile in this render.
func linked(ctx context.Context, id string) bool {
	l, ok := ctx.Value(linksKey{}).(*Links)
	if !ok || id == "" {
		return false
	}
	if l.collect {
		l.ids[id] = true
		return false
	}
	return l.ids[id]
}

// profileURL is /people/{id}.
func profileURL(id string) templ.SafeURL { return templ.SafeURL("/people/" + url.PathEscape(id)) }
