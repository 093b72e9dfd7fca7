// Command gengacc writes the bundled example GACC (China customs) files:
// China's imports from the United States at HS-8 for 2017-01..2017-12 (an
// English-header CSV) and 2020-01..2020-06 (a Chinese-header xlsx, with
// January and February 2020 as one combined row per code, dated
// "2020-01-02"), and English monthly release pages with country totals
// whose United States import figures match the HS-8 sums, except one month
// that is deliberately off (see offMonth).
//
// The figures are SYNTHETIC. They are derived from the synthetic Census
// responses (internal/censustest/synthetic, US exports to China at HS6) so the two sides
// agree where they should: each HS6 line becomes the HS-8 code inside it
// (the HS6 digits and "00", or the codes named in codes8), valued CIF at a
// few percent above the US FAS value, from a fixed seed. They are not GACC
// data.
//
//	go run ./examples/gengacc -census internal/censustest/synthetic -out examples/gacc
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tradepipe/tradepipe/internal/civil"
)

// offMonth's published US import total is offPct percent above the sum of
// its HS-8 rows, so a reconciliation check has something to catch.
var (
	offMonth = civil.Month{Year: 2020, Month: 4}
	offPct   = 3.0
)

// codes8 are the national 8-digit codes used where the HS6+"00" rule would
// not give the code GACC uses.
var codes8 = map[string]string{
	"271111": "27111100", // LNG
	"290511": "29051100", // methanol
	"120190": "12019000", // soybeans
	"880240": "88024000", // aircraft > 15 t
}

// zh are Chinese descriptions for the xlsx; other lines keep the English.
var zh = map[string]string{
	"120190": "大豆", "100790": "高粱", "520100": "未梳的棉花", "020329": "冻猪肉", "020649": "冻猪杂碎",
	"270900": "原油", "271111": "液化天然气", "271112": "液化丙烷", "271113": "液化丁烷", "270112": "烟煤",
	"290511": "甲醇", "880240": "空载重量超过15000公斤的飞机", "870323": "小轿车(1500-3000毫升)",
	"870324": "小轿车(3000毫升以上)", "854231": "处理器及控制器", "470790": "其他废纸", "740400": "铜废碎料",
	"760200": "铝废碎料", "390120": "初级形状比重≥0.94的聚乙烯",
}

// units maps Census units to the English and Chinese units GACC prints,
// with the factor from the Census quantity.
var units = map[string]struct {
	en, zh string
	factor float64
}{
	"KG":  {"KG", "千克", 1},
	"T":   {"T", "吨", 1},
	"NO":  {"NO", "个", 1},
	"M3":  {"M3", "立方米", 1},
	"BBL": {"KG", "千克", 136}, // crude: China reports kilograms
}

type line struct {
	hs6, desc, unit string
	value, qty      float64
}

func main() {
	censusDir := flag.String("census", "internal/censustest/synthetic", "the synthetic Census responses")
	out := flag.String("out", "examples/gacc", "output directory")
	flag.Parse()
	rng := rand.New(rand.NewPCG(86, 2020))
	months := append(civil.Range(civil.Month{Year: 2017, Month: 1}, civil.Month{Year: 2017, Month: 12}),
		civil.Range(civil.Month{Year: 2020, Month: 1}, civil.Month{Year: 2020, Month: 6})...)
	// cif[m] are China's imports from the US in month m, one per HS6 line.
	cif := map[civil.Month][]line{}
	for _, m := range months {
		us, err := readCensus(filepath.Join(*censusDir, fmt.Sprintf("exports-hs6-5700-%s.json", m)))
		if err != nil {
			log.Fatal(err)
		}
		for _, l := range us {
			f := 1.04 + 0.06*rng.Float64() // freight and insurance on top of FAS
			l.value = math.Round(l.value * f)
			l.qty = math.Round(l.qty * (0.98 + 0.04*rng.Float64()))
			cif[m] = append(cif[m], l)
		}
	}
	if err := writeCSV(filepath.Join(*out, "cn-imports-us-hs8-2017.csv"), months[:12], cif); err != nil {
		log.Fatal(err)
	}
	if err := writeXLSX(filepath.Join(*out, "cn-imports-us-hs8-2020H1.xlsx"), months[12:], cif); err != nil {
		log.Fatal(err)
	}
	if err := writeReleases(*out, cif, rng); err != nil {
		log.Fatal(err)
	}
}

func readCensus(path string) ([]line, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []line
	for _, r := range rows[1:] {
		v, _ := strconv.ParseFloat(r[2], 64)
		q, _ := strconv.ParseFloat(r[3], 64)
		out = append(out, line{hs6: r[0], desc: r[1], unit: r[4], value: v, qty: q})
	}
	return out, nil
}

func code8(hs6 string) string {
	if c, ok := codes8[hs6]; ok {
		return c
	}
	return hs6 + "00"
}

func qty(l line, zhUnit bool) (string, string) {
	u, ok := units[l.unit]
	if !ok || l.qty <= 0 {
		return "", ""
	}
	name := u.en
	if zhUnit {
		name = u.zh
	}
	return strconv.FormatFloat(math.Round(l.qty*u.factor), 'f', 0, 64), name
}

func usd(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

func writeCSV(path string, months []civil.Month, cif map[civil.Month][]line) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	_ = w.Write([]string{"Date", "Commodity code", "Commodity name", "Trading partner code", "Trading partner name",
		"First quantity", "First unit", "Second quantity", "Second unit", "US dollar"})
	for _, m := range months {
		for _, l := range cif[m] {
			q, u := qty(l, false)
			_ = w.Write([]string{fmt.Sprintf("%04d%02d", m.Year, int(m.Month)), code8(l.hs6), l.desc, "502", "United States", q, u, "", "", usd(l.value)})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}

// combinedJanFeb adds January and February line by line: GACC publishes
// them as one figure since 2020.
func combinedJanFeb(cif map[civil.Month][]line, year int) []line {
	jan, feb := cif[civil.Month{Year: year, Month: 1}], cif[civil.Month{Year: year, Month: 2}]
	out := make([]line, len(jan))
	for i := range jan {
		out[i] = jan[i]
		out[i].value += feb[i].value
		out[i].qty += feb[i].qty
	}
	return out
}

func writeXLSX(path string, months []civil.Month, cif map[civil.Month][]line) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "进口"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	rows := [][]any{
		{"数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "第一数量", "第一计量单位", "第二数量", "第二计量单位", "美元"},
	}
	add := func(date string, ls []line) {
		for _, l := range ls {
			q, u := qty(l, true)
			desc := zh[l.hs6]
			if desc == "" {
				desc = l.desc
			}
			v, _ := strconv.ParseInt(usd(l.value), 10, 64)
			rows = append(rows, []any{date, code8(l.hs6), desc, "502", "美国", q, u, "", "", v})
		}
	}
	add("2020-01-02", combinedJanFeb(cif, 2020))
	for _, m := range months {
		if m.Month <= 2 {
			continue
		}
		add(fmt.Sprintf("%04d%02d", m.Year, int(m.Month)), cif[m])
	}
	for i, r := range rows {
		c, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, c, &r); err != nil {
			return err
		}
	}
	if err := f.SaveAs(path); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}

// release is one English release page.
type release struct {
	title, file, pubDate string
	month, ytdMonths     []civil.Month // months summed for the month and YTD columns
	monthLabel, ytdLabel string
}

func writeReleases(dir string, cif map[civil.Month][]line, rng *rand.Rand) error {
	mo := func(y, m int) civil.Month { return civil.Month{Year: y, Month: timeMonth(m)} }
	rels := []release{
		{"June 2017", "release-2017-06.html", "2017-07-13", []civil.Month{mo(2017, 6)}, civil.Range(mo(2017, 1), mo(2017, 6)), "6", "1 to 6"},
		{"December 2017", "release-2017-12.html", "2018-01-23", []civil.Month{mo(2017, 12)}, civil.Range(mo(2017, 1), mo(2017, 12)), "12", "1 to 12"},
		{"January-February 2020", "release-2020-01-02.html", "2020-03-07", []civil.Month{mo(2020, 1), mo(2020, 2)}, civil.Range(mo(2020, 1), mo(2020, 2)), "1-2", "1 to 2"},
		{"March 2020", "release-2020-03.html", "2020-04-14", []civil.Month{mo(2020, 3)}, civil.Range(mo(2020, 1), mo(2020, 3)), "3", "1 to 3"},
		{"April 2020", "release-2020-04.html", "2020-05-07", []civil.Month{mo(2020, 4)}, civil.Range(mo(2020, 1), mo(2020, 4)), "4", "1 to 4"},
		{"May 2020", "release-2020-05.html", "2020-06-07", []civil.Month{mo(2020, 5)}, civil.Range(mo(2020, 1), mo(2020, 5)), "5", "1 to 5"},
		{"June 2020", "release-2020-06.html", "2020-07-14", []civil.Month{mo(2020, 6)}, civil.Range(mo(2020, 1), mo(2020, 6)), "6", "1 to 6"},
	}
	// published is what the page prints for US imports in a month, in
	// dollars: the HS-8 sum, or offPct more in offMonth.
	published := func(m civil.Month) float64 {
		var s float64
		for _, l := range cif[m] {
			s += l.value
		}
		if m == offMonth {
			s *= 1 + offPct/100
		}
		return s
	}
	sum := func(ms []civil.Month) float64 {
		var s float64
		for _, m := range ms {
			s += published(m)
		}
		return s
	}
	for _, r := range rels {
		usImp, usImpYTD := sum(r.month), sum(r.ytdMonths)
		n := float64(len(r.ytdMonths)) / float64(len(r.month))
		// Other partners and the exports side are round synthetic figures.
		usExp := 36.0e9 * float64(len(r.month))
		rows := []struct {
			name                   string
			exp, expYTD, imp, impY float64
		}{
			{"Total", 190e9 * float64(len(r.month)), 190e9 * float64(len(r.ytdMonths)), 150e9 * float64(len(r.month)), 150e9 * float64(len(r.ytdMonths))},
			{"Japan", 11.5e9 * float64(len(r.month)), 11.5e9 * float64(len(r.ytdMonths)), 13.8e9 * float64(len(r.month)), 13.8e9 * float64(len(r.ytdMonths))},
			{"Republic of Korea", 8.9e9 * float64(len(r.month)), 8.9e9 * float64(len(r.ytdMonths)), 14.8e9 * float64(len(r.month)), 14.8e9 * float64(len(r.ytdMonths))},
			{"United States", usExp, usExp * n, usImp, usImpYTD},
			{"Germany", 5.9e9 * float64(len(r.month)), 5.9e9 * float64(len(r.ytdMonths)), 8.1e9 * float64(len(r.month)), 8.1e9 * float64(len(r.ytdMonths))},
			{"ASEAN", 23e9 * float64(len(r.month)), 23e9 * float64(len(r.ytdMonths)), 19.6e9 * float64(len(r.month)), 19.6e9 * float64(len(r.ytdMonths))},
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"PubDate\" content=\"%s 10:00\">\n", r.pubDate)
		fmt.Fprintf(&b, "<title>China's Total Export &amp; Import Values by Country/Region, %s (in USD)</title></head>\n<body>\n", html.EscapeString(r.title))
		fmt.Fprintf(&b, "<!-- SYNTHETIC example page written by examples/gengacc; not GACC data. -->\n")
		fmt.Fprintf(&b, "<h2>(2) China's Total Export &amp; Import Values by Country/Region, %s</h2>\n", html.EscapeString(r.title))
		b.WriteString("<table border=\"1\">\n<tr><td colspan=\"5\">Unit: US$1,000</td></tr>\n")
		b.WriteString("<tr><th rowspan=\"2\">Country/Region</th><th colspan=\"2\">Exports</th><th colspan=\"2\">Imports</th></tr>\n")
		fmt.Fprintf(&b, "<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n", r.monthLabel, r.ytdLabel, r.monthLabel, r.ytdLabel)
		for _, row := range rows {
			fmt.Fprintf(&b, "<tr><td rowspan=\"2\">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				html.EscapeString(row.name), thousands(row.exp), thousands(row.expYTD), thousands(row.imp), thousands(row.impY))
			// The year-on-year row: percentages, or "-" (nil) for a
			// partner with no trade a year earlier.
			b.WriteString("<tr>")
			for range 4 {
				if rng.IntN(10) == 0 {
					b.WriteString("<td>-</td>")
				} else {
					fmt.Fprintf(&b, "<td>%.1f</td>", -30+60*rng.Float64())
				}
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</table>\n<p>Note: the row under each country is the year-on-year change in %; \"-\" means nil.</p>\n</body></html>\n")
		if err := os.WriteFile(filepath.Join(dir, r.file), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// thousands prints dollars in US$1,000 with separators, rounded to whole
// thousands as GACC prints them.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v/1000)), 10)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func timeMonth(m int) time.Month { return time.Month(m) }
