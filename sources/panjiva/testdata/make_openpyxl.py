#!/usr/bin/python3
"""Writes openpyxl_export.xlsx: a small Panjiva-style export written by
openpyxl (shared strings, styled datetime cells, a title and a filter row,
a second sheet with more rows, a notes sheet). Run with Debian's
python3-openpyxl: /usr/bin/python3 make_openpyxl.py. The workbook is
committed; the test does not run this script."""
import datetime
import openpyxl

wb = openpyxl.Workbook()
ws = wb.active
ws.title = "US Imports"
ws.append(["Panjiva Shipment Search"])
ws.append(["Filters: HS Code begins with 0201 or 8471; Arrival Date 2021"])
ws.append([])
ws.append(["Bill of Lading Number", "Arrival Date", "Consignee", "Shipper",
           "Shipment Origin", "Shipment Destination", "Port of Lading",
           "Port of Unlading", "HS Code", "Goods Shipped", "Value of Goods (USD)",
           "Weight (kg)", "Volume (TEU)", "FROB", "Carrier"])
rows = [
    ["OPX001", datetime.datetime(2021, 3, 5), "Acme & Sons", "Shenzhen Co",
     "China", "United States", "Yantian", "Long Beach", "8471.30",
     "LAPTOPS", 25000.5, 1200, 1, "No", "COSU"],
    ["OPX002", datetime.date(2021, 3, 31), "Acme & Sons", "Hai Phong JSC",
     "Vietnam", "USA", "Hai Phong", "Los Angeles", 201.3,
     "BEEF <frozen>", "$1,234.50", "N/A", "-", "No", "MAEU"],
    ["OPX003", "04/02/2021", "N/A", "Bremen GmbH", "DE", "US", "Hamburg",
     "Newark", "847130; 940360", "MIXED", "(100.00)", "2,500 kg", 2, None, "HLCU"],
    ["OPX004", datetime.datetime(2021, 4, 3), "Acme & Sons", "Shenzhen Co",
     "China", "United States", "Yantian", "Long Beach", "847130",
     "FOREIGN CARGO", 999, 10, 1, "Yes", "COSU"],
    ["OPX005", "sometime", "Acme & Sons", "Shenzhen Co", "China",
     "United States", "Yantian", "Long Beach", "847130", "LAPTOPS", 5, 1, 1, "No", "COSU"],
]
for r in rows:
    ws.append(r)
for row in ws.iter_rows(min_row=5, max_col=2):
    if isinstance(row[1].value, (datetime.date, datetime.datetime)):
        row[1].number_format = "mm/dd/yyyy"

ws2 = wb.create_sheet("More")
ws2.append(["Arrival Date", "HS Code", "Value of Goods (USD)", "Shipment Origin"])
ws2.append([datetime.datetime(2021, 5, 20), "0201.30 - Bovine meat", 77.7, "Korea, Republic of"])

ws3 = wb.create_sheet("Notes")
ws3.append(["Values are Panjiva estimates."])
wb.save("openpyxl_export.xlsx")
