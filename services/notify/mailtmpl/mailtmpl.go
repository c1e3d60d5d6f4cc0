// Package mailtmpl renders Onramp's e-mail: an HTML part (templ) and a plain-text part
// with the same words.
package mailtmpl

import (
	"bytes"
	"context"
	"strings"
)

// Data is what one e-mail says.
type Data struct {
	Name        string // the recipient's name
	Title       string // also the subject
	Body        string
	Lines       []string // a list under the body (digests)
	Action      string   // the button's label
	URL         string   // the button's target (absolute)
	Preferences string   // the notification settings page (absolute)
}

// HTML renders the HTML part.
func HTML(d Data) (string, error) {
	var b bytes.Buffer
	if err := mail(d).Render(context.Background(), &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Text renders the plain-text part.
func Text(d Data) string {
	var b strings.Builder
	if d.Name != "" {
		b.WriteString("Hello " + d.Name + ",\n\n")
	}
	b.WriteString(d.Title + "\n\n")
	if d.Body != "" {
		b.WriteString(d.Body + "\n\n")
	}
	for _, l := range d.Lines {
		b.WriteString("- " + l + "\n")
	}
	if len(d.Lines) > 0 {
		b.WriteString("\n")
	}
	if d.URL != "" {
		b.WriteString(d.Action + ": " + d.URL + "\n\n")
	}
	b.WriteString("-- \nYou receive this because you use Onramp. Choose which e-mail you get: " + d.Preferences + "\n")
	return b.String()
}
