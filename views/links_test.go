package views

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// A name links to a profile only when the render says the viewer may open it: a collecting
// render links none and records each person named, and no decision at all links none.
func TestPersonLinkFollowsTheViewersAccess(t *testing.T) {
	render := func(ctx context.Context, id, name string) string {
		var b strings.Builder
		if err := PersonLink(id, name).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	open := WithLinks(context.Background(), []string{"ada", "a/b"})
	tests := []struct {
		name     string
		ctx      context.Context
		id, text string
		want     string
	}{
		{"open", open, "ada", "Ada", `<a class="person" href="/people/ada">Ada</a>`},
		{"id escaped", open, "a/b", "A B", `<a class="person" href="/people/a%2Fb">A B</a>`},
		{"not open", open, "bob", "Bob", "Bob"},
		{"no id", open, "", "Cy", "Cy"},
		{"someone else", open, "ada", "someone else", "someone else"},
		{"no decision", context.Background(), "ada", "Ada", "Ada"},
	}
	for _, tt := range tests {
		if got := render(tt.ctx, tt.id, tt.text); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	// A marked render asks once about everyone it names, and links only those open.
	var page strings.Builder
	for _, id := range []string{"bob", "ada", "", "bob"} {
		if err := PersonLink(id, "X").Render(MarkNames(context.Background()), &page); err != nil {
			t.Fatal(err)
		}
	}
	var named []string
	got := string(LinkNames([]byte(page.String()), func(ids []string) []string { named = ids; return nil }))
	if got != "XXXX" {
		t.Errorf("no one open, the names linked: %q", got)
	}
	if !slices.Equal(named, []string{"ada", "bob"}) {
		t.Errorf("named %v, want [ada bob]", named)
	}
	if got := string(LinkNames([]byte(page.String()), func([]string) []string { return []string{"ada"} })); got != `X<a class="person" href="/people/ada">X</a>XX` {
		t.Errorf("ada open: %q", got)
	}
}
