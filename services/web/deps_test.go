package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Web renders what the services answer: it reads no content of its own (skills, tracks,
// onboarding templates). The catalogue and the templates have one reader each, their
// service, so nothing web shows can drift from what the services decide.
func TestWebImportsNoContent(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "onramp.dev/services/web").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || !strings.Contains(string(out), "onramp.dev/events") {
		t.Fatalf("go list -deps listed nothing useful:\n%s", out)
	}
	for _, d := range deps {
		if d == "onramp.dev/content" || strings.HasPrefix(d, "onramp.dev/content/") {
			t.Errorf("services/web depends on %s", d)
		}
	}
}

// Web keeps no role rules: what a person may open comes from identity (the session's
// sections) and what they may do from the owning service's can_* flags. A role name may
// appear only as a filter value in a request (Role: events.RoleLead), and a person's roles
// only to be shown.
func TestWebKeepsNoRoleRules(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range pkgs {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			parent := ast.Node(nil)
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, n)
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "events" && strings.HasPrefix(sel.Sel.Name, "Role") {
				if kv, ok := parent.(*ast.KeyValueExpr); !ok || kv.Value != n || !isIdent(kv.Key, "Role") {
					t.Errorf("%s: events.%s outside a request's Role filter: web must not decide by role", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			if sel.Sel.Name == "Roles" {
				shown := false
				switch p := parent.(type) {
				case *ast.KeyValueExpr: // copied into a view model to be shown
					shown = p.Value == n
				case *ast.AssignStmt: // a view model's field written: pv.Roles = …
					shown = slices.Contains(p.Lhs, ast.Expr(sel))
				case *ast.CallExpr: // strings.Join(p.Roles, ", "), events.WordsOfRoles(p.Roles)
					if fn, ok := p.Fun.(*ast.SelectorExpr); ok && (isIdent(fn.X, "strings") && fn.Sel.Name == "Join" || isIdent(fn.X, "events") && fn.Sel.Name == "WordsOfRoles") {
						shown = true
					}
				}
				if !shown {
					t.Errorf("%s: a person's roles are read for something other than showing them: web must not decide by role", fset.Position(sel.Pos()))
				}
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no source files checked")
	}
}

func isIdent(e ast.Expr, name string) bool { id, ok := e.(*ast.Ident); return ok && id.Name == name }
