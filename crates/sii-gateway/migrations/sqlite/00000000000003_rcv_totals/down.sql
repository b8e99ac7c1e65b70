DROP TABLE rcv_totals;
