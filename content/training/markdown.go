package training

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// markdown renders lessons: GitHub-flavoured Markdown (tables, strikethrough, task
// lists, autolinks) with heading ids. The HTML renderer keeps its default safe
// mode: raw HTML in a lesson is replaced by a comment and dangerous link schemes
// are dropped. html.WithUnsafe must never be added here.
//
// Table column alignment is written as align attributes, not style attributes, which
// the portal's Content-Security-Policy would block.
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough, extension.Linkify, extension.TaskList,
	),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

// loadLessons reads every lesson file of m (in folder dir), checks its links and
// fills in Markdown and HTML. Lessons whose declaration is already invalid are
// skipped; their problems were recorded by checkModule.
func (c *checker) loadLessons(fsys fs.FS, dir string, m *Module) {
	byFile := map[string]string{} // lesson file -> lesson id
	for _, l := range m.Lessons {
		if validLessonFile(l.File) {
			byFile[l.File] = l.ID
		}
	}
	for i := range m.Lessons {
		l := &m.Lessons[i]
		if !validLessonFile(l.File) {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, l.File))
		if err != nil {
			c.addf("lesson %q: file %q: %v", l.ID, l.File, err)
			continue
		}
		if len(bytes.TrimSpace(b)) == 0 {
			c.addf("lesson %q: file %q is empty", l.ID, l.File)
			continue
		}
		doc := markdown.Parser().Parse(text.NewReader(b))
		c.checkLinks(l, doc, b, byFile)
		var out bytes.Buffer
		if err := markdown.Renderer().Render(&out, b, doc); err != nil {
			c.addf("lesson %q: render %s: %v", l.ID, l.File, err)
			continue
		}
		l.Markdown = string(b)
		l.HTML = out.String()
	}
}

// checkLinks walks the parsed lesson and records every link that is neither an
// absolute https (or mailto) URL, nor a fragment, nor the file name of a lesson of
// the same module. Links to sibling lessons are rewritten in place to the target
// lesson's id so that the rendered HTML points at the lesson page.
func (c *checker) checkLinks(l *Lesson, doc ast.Node, src []byte, byFile map[string]string) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			dest := string(n.Destination)
			target, err := resolveLink(dest, byFile)
			if err != nil {
				c.addf("lesson %q (%s): link %q: %v", l.ID, l.File, dest, err)
			} else if target != "" {
				n.Destination = []byte(target)
			}
		case *ast.Image:
			dest := string(n.Destination)
			u, err := url.Parse(dest)
			if err != nil || !strings.EqualFold(u.Scheme, "https") || u.Host == "" {
				c.addf("lesson %q (%s): image %q: images must be absolute https URLs", l.ID, l.File, dest)
			}
		case *ast.AutoLink:
			if n.AutoLinkType == ast.AutoLinkURL {
				dest := string(n.URL(src))
				if !strings.HasPrefix(strings.ToLower(dest), "https://") {
					c.addf("lesson %q (%s): link %q: write web links as https:// URLs", l.ID, l.File, dest)
				}
			}
		}
		return ast.WalkContinue, nil
	})
}

// resolveLink checks one link destination. It returns the rewritten destination
// for a link to a sibling lesson, "" for a link to keep as written, or an error.
func resolveLink(dest string, byFile map[string]string) (string, error) {
	if strings.TrimSpace(dest) == "" {
		return "", fmt.Errorf("empty link target")
	}
	u, err := url.Parse(dest)
	if err != nil {
		return "", err
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		if u.Host == "" {
			return "", fmt.Errorf("https link without a host")
		}
		return "", nil
	case "mailto":
		return "", nil
	case "":
	default:
		return "", fmt.Errorf("scheme %q not allowed: use https, mailto, or a lesson file of this module", u.Scheme)
	}
	if u.Host != "" || strings.HasPrefix(dest, "//") {
		return "", fmt.Errorf("scheme-relative links are not allowed: write https://")
	}
	if u.Path == "" {
		if u.RawQuery != "" {
			return "", fmt.Errorf("query-only links are not allowed")
		}
		return "", nil // #fragment inside the same lesson
	}
	if u.RawQuery != "" {
		return "", fmt.Errorf("links to lessons cannot carry a query")
	}
	file := strings.TrimPrefix(u.Path, "./")
	id, ok := byFile[file]
	if !ok {
		return "", fmt.Errorf("%q is not a lesson file of this module", u.Path)
	}
	target := id
	if u.Fragment != "" {
		target += "#" + u.EscapedFragment()
	}
	return target, nil
}
