CREATE TABLE `stocks` (
	`item_id` integer PRIMARY KEY NOT NULL,
	`quantity` integer NOT NULL,
	CONSTRAINT "stocks_quantity_not_negative" CHECK("stocks"."quantity" >= 0)
);
