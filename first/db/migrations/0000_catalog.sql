CREATE TABLE `items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`price` real NOT NULL,
	CONSTRAINT "items_price_not_negative" CHECK("items"."price" >= 0)
);
