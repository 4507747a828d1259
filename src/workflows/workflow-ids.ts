export const orderWorkflowId = (orderNo: string) => `order-${orderNo}`;
