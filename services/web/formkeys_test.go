package web

import (
	"regexp"
	"strings"
	"testing"
)

func TestEveryPostFormGetsAKeyOfItsOwn(t *testing.T) {
	key := regexp.MustCompile(`<input type="hidden" name="idempotency_key" value="[0-9a-f]{32}">`)
	tests := []struct {
		name, page string
		keys       int
	}{
		{"post form", `<form id="f" method="post" action="/people"><input name="email"></form>`, 1},
		{"upper-case method", `<form METHOD="POST" action="/x"></form>`, 1},
		{"get form", `<form method="get" action="/search"><input name="q"></form>`, 0},
		{"two post forms and a get form", `<form method="post" action="/a"></form><form method="get" action="/b"></form><form method="post" action="/c"></form>`, 2},
		{"no form", `<p>formal words: <formula></p>`, 0},
		{"an element named like a form", `<formx method="post"></formx>`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(withFormKeys([]byte(tt.page)))
			found := key.FindAllString(got, -1)
			if len(found) != tt.keys {
				t.Fatalf("%d keys in %s", len(found), got)
			}
			if len(found) == 2 && found[0] == found[1] {
				t.Fatal("two forms share a key")
			}
			if key.ReplaceAllString(got, "") != tt.page {
				t.Fatalf("the page changed beyond the keys: %s", got)
			}
			for _, loc := range key.FindAllStringIndex(got, -1) { // right after a form's opening tag
				if open := strings.LastIndex(got[:loc[0]], "<form"); open < 0 || !strings.HasSuffix(got[:loc[0]], ">") || strings.Contains(got[open:loc[0]], "</") {
					t.Fatalf("key not at the start of a form: %s", got)
				}
			}
		})
	}
}
