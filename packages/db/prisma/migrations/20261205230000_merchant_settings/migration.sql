-- A merchant's settings in the dashboard: its business profile (website, country) and what the
-- hosted checkout shows shoppers (a public name, support email, phone and page).

-- AlterTable
ALTER TABLE "merchants" ADD COLUMN     "country" CHAR(2),
ADD COLUMN     "public_name" TEXT,
ADD COLUMN     "support_email" TEXT,
ADD COLUMN     "support_phone" TEXT,
ADD COLUMN     "support_url" TEXT,
ADD COLUMN     "website" TEXT;
