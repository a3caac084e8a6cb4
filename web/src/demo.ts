// The demo store that "Load demo catalog" imports into an empty database: one market with
// three countries (shipping to two of them), one pricelist, a dozen products with stock, and
// two customers (each gets an empty selection, which is how customers are created).
import type { ImportCatalogInput } from './gql/graphql';

const product = (code: string, name: string, variants: [string, string, string, number][]) => ({
  code,
  name,
  variants: variants.map(([sku, variantName, amount, quantity]) => ({
    sku,
    name: variantName,
    prices: [{ pricelistCode: 'DEMO-EUR', amount }],
    stock: [{ warehouseCode: 'DEMO-WH', quantity }],
  })),
});

export const DEMO_CATALOG: ImportCatalogInput = {
  warehouses: [{ code: 'DEMO-WH', name: 'Demo warehouse' }],
  pricelists: [{ code: 'DEMO-EUR', name: 'Demo retail', currency: 'EUR' }],
  markets: [{ code: 'DEMO', name: 'Demo market', countries: ['DE', 'NL', 'BE'], warehouseCodes: ['DEMO-WH'] }],
  products: [
    product('TEE', 'Organic tee', [['TEE-S', 'Organic tee S', '29.00', 40], ['TEE-M', 'Organic tee M', '29.00', 40], ['TEE-L', 'Organic tee L', '29.00', 25]]),
    product('HOODIE', 'Hoodie', [['HOODIE-M', 'Hoodie M', '79.00', 12], ['HOODIE-L', 'Hoodie L', '79.00', 8]]),
    product('CAP', 'Cap', [['CAP', 'Cap', '24.50', 60]]),
    product('MUG', 'Enamel mug', [['MUG', 'Enamel mug', '14.90', 100]]),
    product('TOTE', 'Tote bag', [['TOTE', 'Tote bag', '19.00', 75]]),
    product('SOCKS', 'Wool socks', [['SOCKS', 'Wool socks', '12.00', 90]]),
    product('BOTTLE', 'Steel bottle', [['BOTTLE', 'Steel bottle', '32.00', 30]]),
    product('POSTER', 'Limited poster', [['POSTER', 'Limited poster (signed)', '120.00', 3]]),
    product('SCARF', 'Scarf', [['SCARF', 'Scarf', '45.00', 15]]),
  ],
  shipping: [
    { marketCode: 'DEMO', pricelistCode: 'DEMO-EUR', countryCode: 'DE', amount: '4.90' },
    { marketCode: 'DEMO', pricelistCode: 'DEMO-EUR', countryCode: 'NL', amount: '6.90' },
  ],
  taxRules: [
    { countryCode: 'DE', rate: '19' },
    { countryCode: 'NL', rate: '21' },
    { countryCode: 'BE', rate: '21' },
  ],
};

export const DEMO_CUSTOMERS = ['ada@example.com', 'grace@example.com'];
