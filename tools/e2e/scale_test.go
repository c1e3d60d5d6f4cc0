package e2e

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/xuri/excelize/v2"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/tools/portal"
)

// seedStaff appends n staff.hired events (team "scale-<i%25>", people "Scale Person
// <i>") to the identity stream, as identity itself would, and returns their ids.
func seedStaff(t *testing.T, p *portal.Portal, n int) []string {
	t.Helper()
	js, err := jetstream.New(p.NATS)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	start := time.Now().Format(events.DateLayout)
	for i := range n {
		ids[i] = fmt.Sprintf("scale-%05d", i)
		env, err := events.New("demo-hr", ids[i], events.StaffHired{
			Email: fmt.Sprintf("scale%d@scale.onramp", i), Name: fmt.Sprintf("Scale Person %05d", n-1-i), Roles: []string{events.RoleMentor},
			Team: fmt.Sprintf("scale-%d", i%25), Track: "infrastructure", StartDate: start,
		}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		msg := nats.NewMsg(events.Subject(env.Type, env.Subject))
		msg.Data = body
		msg.Header.Set(jetstream.MsgIDHeader, env.ID)
		if _, err := js.PublishMsgAsync(msg); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(2 * time.Minute):
		t.Fatal("staff events not acknowledged")
	}
	return ids
}

// eventually retries check until it passes (the read models follow the streams).
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = check(); err == nil {
			return
		}
	}
	t.Fatalf("%s: %v", what, err)
}

// onceEach fails unless every id in want appears exactly once in got (others may too,
// each once).
func onceEach(t *testing.T, what string, want, got []string) {
	t.Helper()
	count := map[string]int{}
	for _, id := range got {
		count[id]++
	}
	for id, n := range count {
		if n != 1 {
			t.Errorf("%s: %s appears %d times", what, id, n)
		}
	}
	for _, id := range want {
		if count[id] == 0 {
			t.Errorf("%s: %s is missing", what, id)
		}
	}
}

// An organisation of 2,500 more people: every export holds each person exactly once,
// and HR pages through the people list — over the API and in Chromium — meeting everyone
// once.
func TestOrganisationOf2500(t *testing.T) {
	p := startPortal(t)
	const n = 2500
	ids := seedStaff(t, p, n)
	c := newClient(p.URL())
	hr := bearer(token(t, c, "hr@demo.onramp"))

	var everyone int // active people the skill matrix shows: the seeded and the demo's
	eventually(t, "the skills service knows everyone", func() error {
		resp := c.do(t, "GET", "/api/v1/reports/skill-matrix?format=json&limit=1", "", "", hr...)
		var page struct{ Total int }
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			return err
		}
		if page.Total < n {
			return fmt.Errorf("%d people in the matrix", page.Total)
		}
		everyone = page.Total
		return nil
	})

	eventually(t, "identity knows everyone", func() error {
		if got := decodeJSON[identityapi.PeopleReply](t, c.do(t, "GET", "/api/v1/people?limit=1&q=%40scale.onramp", "", "", hr...)); got.Total != n {
			return fmt.Errorf("%d seeded people listed", got.Total)
		}
		return nil
	})

	t.Run("report JSON pages", func(t *testing.T) {
		var got []string
		for cursor, pages := "", 0; ; pages++ {
			var page struct {
				Rows  []map[string]any
				Total int
				Next  string
			}
			resp := c.do(t, "GET", "/api/v1/reports/skill-matrix?limit=200&cursor="+url.QueryEscape(cursor), "", "", hr...)
			if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
				t.Fatal(err)
			}
			if len(page.Rows) > 200 || page.Total != everyone {
				t.Fatalf("page %d: %d rows of %d", pages, len(page.Rows), page.Total)
			}
			for _, row := range page.Rows {
				got = append(got, row["person"].(string))
			}
			if cursor = page.Next; cursor == "" || pages > n {
				break
			}
		}
		if len(got) != everyone {
			t.Errorf("%d rows, want %d", len(got), everyone)
		}
		onceEach(t, "JSON pages", ids, got)
	})

	t.Run("exports", func(t *testing.T) {
		for _, format := range []string{"csv", "xlsx"} {
			resp := c.do(t, "GET", "/api/v1/reports/skill-matrix?format="+format, "", "", hr...)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d", format, resp.StatusCode)
			}
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			switch format {
			case "csv":
				rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range rows[1:] {
					got = append(got, row[0])
				}
			case "xlsx":
				f, err := excelize.OpenReader(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				rows, err := f.GetRows(f.GetSheetName(0))
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range rows[1:] {
					got = append(got, row[0])
				}
			}
			if len(got) != everyone {
				t.Errorf("%s: %d rows, want %d", format, len(got), everyone)
			}
			onceEach(t, format, ids, got)
		}
	})

	t.Run("people API", func(t *testing.T) {
		for _, sort := range []string{"name", "team", "start_date"} {
			var got []string
			next, pages := "", 0
			for {
				path := "/api/v1/people?limit=200&sort=" + sort
				if next != "" {
					path += "&cursor=" + url.QueryEscape(next)
				}
				page := decodeJSON[identityapi.PeopleReply](t, c.do(t, "GET", path, "", "", hr...))
				if page.Total < n || len(page.Items) > 200 {
					t.Fatalf("by %s, page %d: total %d, %d items", sort, pages, page.Total, len(page.Items))
				}
				for _, x := range page.Items {
					got = append(got, x.ID)
				}
				if pages++; page.Next == "" || pages > n {
					break
				}
				next = page.Next
			}
			onceEach(t, "people API by "+sort, ids, got)
		}
		// The default page is 50; more than 200 is served as 200; search finds one person.
		def := decodeJSON[identityapi.PeopleReply](t, c.do(t, "GET", "/api/v1/people", "", "", hr...))
		big := decodeJSON[identityapi.PeopleReply](t, c.do(t, "GET", "/api/v1/people?limit=5000", "", "", hr...))
		one := decodeJSON[identityapi.PeopleReply](t, c.do(t, "GET", "/api/v1/people?q=SCALE1234%40scale", "", "", hr...))
		if len(def.Items) != 50 || len(big.Items) != 200 || one.Total != 1 || one.Items[0].ID != "scale-01234" {
			t.Fatalf("default %d, limit=5000 %d, search %+v", len(def.Items), len(big.Items), one)
		}
		if resp := c.do(t, "GET", "/api/v1/people?limit=x", "", "", hr...); resp.StatusCode != 422 {
			t.Fatalf("limit=x: %d", resp.StatusCode)
		}
	})

	t.Run("people page without JavaScript", func(t *testing.T) {
		// Plain HTTP, as a browser without JavaScript: follow each page's rel="next" link.
		browser := newClient(p.URL())
		login(t, browser, "hr@demo.onramp")
		next := regexp.MustCompile(`<a rel="next" href="([^"]+)"`)
		row := regexp.MustCompile(`<tr data-person-id="([^"]+)"`)
		var got []string
		path := "/people?limit=200&sort=start_date"
		for pages := 0; path != "" && pages <= n; pages++ {
			resp := browser.do(t, "GET", path, "", "")
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			for _, m := range row.FindAllStringSubmatch(string(b), -1) {
				got = append(got, m[1])
			}
			path = ""
			if m := next.FindStringSubmatch(string(b)); m != nil {
				path = html.UnescapeString(m[1])
			}
		}
		onceEach(t, "people page without JavaScript", ids, got)
	})

	t.Run("people page in Chromium", func(t *testing.T) {
		ctx := browser(t)
		browserLogin(t, ctx, p.URL(), "hr@demo.onramp", demoPassword)
		do(t, ctx, chromedp.Navigate(p.URL()+"/people?limit=200"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="pager"]`)))
		var got []string
		for pages := 0; ; pages++ {
			ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
				`[...document.querySelectorAll("#people tbody tr[data-person-id]")].map(r => r.dataset.personId)`))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids...)
			more, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="page-next"]') !== null`))
			if err != nil {
				t.Fatal(err)
			}
			if !more || pages > n {
				break
			}
			summary := text(t, ctx, ".pager-summary")
			do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="page-next"]`)))
			poll(t, ctx, fmt.Sprintf(`document.querySelector(".pager-summary") && document.querySelector(".pager-summary").textContent !== %q`, summary))
		}
		onceEach(t, "people page", ids, got)
		// Search from the page's own form.
		do(t, ctx,
			chromedp.SendKeys(chromedp.ID("list-search"), "Scale Person 00007"),
			chromedp.Click(chromedp.CSS(`[data-testid="search"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`#people tr[data-person-id="scale-02492"]`)),
		)
		if got := text(t, ctx, ".pager-summary"); got != "Showing 1–1 of 1" {
			t.Fatalf("search: %q", got)
		}
	})
}
