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
	Sections    []Section
	Action      string // the button's label
	URL         string // the button's target (absolute)
	Preferences string // the notification settings page (absolute)
}

// Section is a titled list after the lines (the daily reminder's), with a last line that
// may link to the rest.
type Section struct {
	Heading string
	Lines   []string
	More    string // e.g. "and 5 more"
	URL     string // where More leads (absolute)
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
	for _, s := range d.Sections {
		b.WriteString(s.Heading + "\n")
		for _, l := range s.Lines {
			b.WriteString("- " + l + "\n")
		}
		switch {
		case s.More != "" && s.URL != "":
			b.WriteString(s.More + ": " + s.URL + "\n")
		case s.More != "":
			b.WriteString(s.More + "\n")
		}
		b.WriteString("\n")
	}
	if d.URL != "" {
		b.WriteString(d.Action + ": " + d.URL + "\n\n")
	}
	b.WriteString("-- \nYou receive this because you use Onramp. Choose which e-mail you get: " + d.Preferences + "\n")
	return b.String()
}
