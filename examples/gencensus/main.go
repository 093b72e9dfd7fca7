// Command gencensus writes the bundled example Census API responses: US
// exports to China (CTY_CODE 5700) at HS6 for 2017-01..2017-12 and
// 2020-01..2020-06, one saved response per month, in the API's own format.
//
// The figures are SYNTHETIC: plausible magnitudes and seasonality for a
// hand-picked set of HS6 lines, from a fixed seed, so the quick start and
// the tests have the same data on every machine. They are not Census data.
//
//	go run ./examples/gencensus -out internal/censustest/synthetic
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/tradepipe/tradepipe/internal/civil"
)

// line is one HS6 commodity with its 2017 annual value (USD millions), a
// seasonal profile and the 2020 level relative to 2017.
type line struct {
	code, desc, unit string
	annual2017       float64 // USD millions
	season           string  // flat, harvest (Oct–Jan peak), lumpy (deliveries)
	factor2020       float64
	usdPerUnit       float64 // for the quantity column; 0 when no quantity
}

var lines = []line{
	// Agriculture
	{"120190", "SOYBEANS, WHETHER OR NOT BROKEN, OTHER THAN SEED", "KG", 12200, "harvest", 0.95, 0.38},
	{"100790", "GRAIN SORGHUM, OTHER THAN SEED", "KG", 840, "harvest", 1.9, 0.17},
	{"520100", "COTTON, NOT CARDED OR COMBED", "KG", 980, "flat", 1.6, 1.7},
	{"020329", "MEAT OF SWINE, FROZEN, NESOI", "KG", 330, "flat", 3.5, 2.1},
	{"020649", "EDIBLE OFFAL OF SWINE, FROZEN, NESOI", "KG", 500, "flat", 1.8, 1.5},
	{"030389", "FISH, FROZEN, NESOI", "KG", 300, "flat", 0.7, 2.4},
	{"040410", "WHEY AND MODIFIED WHEY", "KG", 250, "flat", 1.1, 1.2},
	{"230330", "BREWING OR DISTILLING DREGS AND WASTE", "KG", 80, "flat", 0.6, 0.25},
	{"410150", "WHOLE RAW HIDES AND SKINS OF BOVINE ANIMALS, >16KG", "NO", 700, "flat", 0.5, 45},
	{"100199", "WHEAT AND MESLIN, NESOI", "KG", 350, "harvest", 1.7, 0.23},
	{"080212", "ALMONDS, FRESH OR DRIED, SHELLED", "KG", 250, "harvest", 0.9, 5.5},
	{"080810", "APPLES, FRESH", "KG", 50, "harvest", 0.6, 1.3},
	{"210690", "FOOD PREPARATIONS NESOI", "KG", 300, "flat", 1.1, 6.0},
	{"100590", "CORN (MAIZE), OTHER THAN SEED CORN", "KG", 150, "harvest", 3.0, 0.18},
	// Energy
	{"270900", "PETROLEUM OILS AND OILS FROM BITUMINOUS MINERALS, CRUDE", "BBL", 4400, "lumpy", 0.35, 52},
	{"271111", "NATURAL GAS, LIQUEFIED", "-", 450, "lumpy", 0.8, 0},
	{"271112", "PROPANE, LIQUEFIED", "-", 1300, "flat", 0.6, 0},
	{"271113", "BUTANES, LIQUEFIED", "-", 200, "flat", 0.5, 0},
	{"270112", "BITUMINOUS COAL, WHETHER OR NOT PULVERIZED, NOT AGGLOMERATED", "T", 450, "flat", 0.3, 110},
	{"271012", "LIGHT OILS AND PREPARATIONS", "-", 100, "flat", 0.5, 0},
	{"290511", "METHANOL (METHYL ALCOHOL)", "KG", 30, "flat", 1.0, 0.4},
	// Manufactured goods
	{"880240", "AIRPLANES AND OTHER AIRCRAFT, UNLADEN WEIGHT > 15,000 KG", "NO", 12000, "lumpy", 0.15, 95e6},
	{"870323", "PASSENGER MOTOR VEHICLES, SPARK-IGNITION, 1500-3000 CC", "NO", 4500, "flat", 0.55, 38000},
	{"870324", "PASSENGER MOTOR VEHICLES, SPARK-IGNITION, > 3000 CC", "NO", 5500, "flat", 0.6, 52000},
	{"854231", "PROCESSORS AND CONTROLLERS, ELECTRONIC INTEGRATED CIRCUITS", "NO", 3000, "flat", 1.25, 9},
	{"854239", "ELECTRONIC INTEGRATED CIRCUITS, NESOI", "NO", 1500, "flat", 1.15, 2},
	{"901890", "INSTRUMENTS AND APPLIANCES FOR MEDICAL SCIENCES, NESOI", "-", 1000, "flat", 0.95, 0},
	{"300490", "MEDICAMENTS, IN MEASURED DOSES, NESOI", "-", 900, "flat", 1.1, 0},
	{"848620", "MACHINES FOR THE MANUFACTURE OF SEMICONDUCTOR DEVICES", "NO", 1500, "lumpy", 1.3, 2.5e6},
	{"847330", "PARTS AND ACCESSORIES FOR AUTOMATIC DATA PROCESSING MACHINES", "-", 800, "flat", 0.9, 0},
	{"851712", "TELEPHONES FOR CELLULAR NETWORKS", "NO", 200, "flat", 0.7, 420},
	{"841191", "PARTS OF TURBOJETS OR TURBOPROPELLERS", "-", 900, "flat", 0.6, 0},
	{"290243", "P-XYLENE", "KG", 300, "flat", 0.8, 0.9},
	{"284410", "NATURAL URANIUM AND ITS COMPOUNDS", "KG", 60, "lumpy", 0.5, 90},
	{"440791", "OAK WOOD, SAWN OR CHIPPED LENGTHWISE, THICKNESS > 6 MM", "M3", 600, "flat", 0.8, 700},
	{"440399", "NONCONIFEROUS WOOD IN THE ROUGH, NESOI", "M3", 800, "flat", 0.75, 400},
	{"902212", "COMPUTED TOMOGRAPHY APPARATUS", "NO", 150, "flat", 0.9, 450000},
	// Not covered by Annex 6.1
	{"470321", "CHEMICAL WOODPULP, SODA OR SULFATE, CONIFEROUS, BLEACHED", "KG", 1000, "flat", 0.9, 0.7},
	{"470790", "WASTE AND SCRAP OF PAPER OR PAPERBOARD, NESOI", "KG", 1700, "flat", 0.2, 0.15},
	{"740400", "COPPER WASTE AND SCRAP", "KG", 900, "flat", 0.5, 4.5},
	{"760200", "ALUMINUM WASTE AND SCRAP", "KG", 700, "flat", 0.4, 1.2},
	{"390120", "POLYETHYLENE HAVING A SPECIFIC GRAVITY OF 0.94 OR MORE", "KG", 800, "flat", 1.2, 1.1},
	{"880330", "PARTS OF AIRPLANES OR HELICOPTERS, NESOI", "-", 700, "flat", 0.7, 0},
	{"902780", "INSTRUMENTS AND APPARATUS FOR PHYSICAL OR CHEMICAL ANALYSIS, NESOI", "-", 700, "flat", 1.05, 0},
	{"382200", "DIAGNOSTIC OR LABORATORY REAGENTS", "-", 400, "flat", 1.3, 0},
	{"710812", "GOLD, NONMONETARY, UNWROUGHT", "-", 300, "lumpy", 0.4, 0},
	{"870899", "PARTS AND ACCESSORIES FOR MOTOR VEHICLES, NESOI", "-", 600, "flat", 0.85, 0},
	{"490199", "PRINTED BOOKS, BROCHURES AND SIMILAR PRINTED MATTER, NESOI", "-", 200, "flat", 0.8, 0},
}

// seasonal weights by month (Jan..Dec).
var profiles = map[string][12]float64{
	"flat":    {1, 0.9, 1, 1, 1, 1, 1, 1, 1, 1.05, 1.05, 1.05},
	"harvest": {1.6, 1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.6, 1.1, 1.8, 2.1, 1.9},
	"lumpy":   {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
}

func main() {
	out := flag.String("out", "internal/censustest/synthetic", "output directory")
	flag.Parse()
	rng := rand.New(rand.NewPCG(2017, 2020))
	months := append(civil.Range(civil.Month{Year: 2017, Month: 1}, civil.Month{Year: 2017, Month: 12}),
		civil.Range(civil.Month{Year: 2020, Month: 1}, civil.Month{Year: 2020, Month: 6})...)
	for _, m := range months {
		rows := [][]string{{"E_COMMODITY", "E_COMMODITY_LDESC", "ALL_VAL_MO", "QTY_1_MO", "UNIT_QY1", "CTY_CODE", "COMM_LVL", "time"}}
		for _, l := range lines {
			p := profiles[l.season]
			var sum float64
			for _, w := range p {
				sum += w
			}
			v := l.annual2017 * 1e6 * p[m.Month-1] / sum
			if m.Year == 2020 {
				// Phase One ramps up through 2020; the first months were weak.
				v *= l.factor2020 * (0.7 + 0.06*float64(m.Month))
			}
			v *= 0.85 + 0.3*rng.Float64()
			if l.season == "lumpy" && rng.IntN(3) == 0 {
				v *= 0.2 // a month with few deliveries
			}
			val := int64(v)
			qty := "0"
			if l.usdPerUnit > 0 {
				qty = fmt.Sprintf("%d", int64(v/l.usdPerUnit))
			}
			rows = append(rows, []string{l.code, l.desc, fmt.Sprintf("%d", val), qty, l.unit, "5700", "HS6", m.String()})
		}
		b, err := json.Marshal(rows)
		if err != nil {
			log.Fatal(err)
		}
		// The API puts each record on its own line.
		b = []byte(string(b[:1]) + "\n" + splitRecords(string(b[1:len(b)-1])) + "]\n")
		name := filepath.Join(*out, fmt.Sprintf("exports-hs6-5700-%s.json", m))
		if err := os.WriteFile(name, b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func splitRecords(s string) string {
	out := []byte{}
	depth := 0
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		out = append(out, c)
		switch {
		case inStr && c == '\\':
			i++
			out = append(out, s[i])
		case c == '"':
			inStr = !inStr
		case !inStr && c == '[':
			depth++
		case !inStr && c == ']':
			depth--
		case !inStr && c == ',' && depth == 0:
			out = append(out, '\n')
		}
	}
	return string(out)
}
