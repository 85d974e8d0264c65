#!/usr/bin/env bash
# bench/gen-fleet.sh N: a technicians CSV (stdout) of N technicians B00001..
# spread evenly over the 12 Berlin sample territories (near each centre, with
# a provider that covers it), every skill, 24h shifts, capacity 50.
set -euo pipefail
awk -v n="${1:?usage: gen-fleet.sh N}" 'BEGIN {
  srand(7);
  split("mitte friedrichshain-kreuzberg pankow charlottenburg-wilmersdorf spandau steglitz-zehlendorf tempelhof-schoeneberg neukoelln treptow-koepenick marzahn-hellersdorf lichtenberg reinickendorf", T, " ");
  split("P-NORD P-OST P-ZENTRUM P-SUED P-WEST P-SUED P-ZENTRUM R-KIEZ P-OST P-NORD P-OST P-WEST", P, " ");
  split("52.53623 52.49898 52.61403 52.50242 52.53201 52.43424 52.43343 52.42835 52.41274 52.52721 52.53380 52.61274", LA, " ");
  split("13.36313 13.43421 13.44866 13.28223 13.17376 13.21060 13.36556 13.47328 13.63650 13.59935 13.50314 13.28680", LO, " ");
  skills = "washing_machine;dryer;washer_dryer;dishwasher;fridge;freezer;oven;hob;cooker_hood;microwave;air_conditioner;heat_pump;boiler;water_heater;coffee_machine";
  print "id,name,provider,territories,skills,capacity,shift,lat,lon";
  for (i = 1; i <= n; i++) {
    k = (i - 1) % 12 + 1;
    printf "B%05d,Bench Technician %d,%s,%s,%s,50,24h,%.5f,%.5f\n", i, i, P[k], T[k], skills,
           LA[k] + (rand() - 0.5) * 0.03, LO[k] + (rand() - 0.5) * 0.04;
  }
}'
